import '@tapegrad/backend-cpu';
import { manualSeed, randn, tidy } from '@tapegrad/core';
import { Sequential, Conv2d, ReLU, MaxPool2d, AdaptiveAvgPool2d, Flatten, Linear, Adam, crossEntropyLoss } from '@tapegrad/nn';

manualSeed(0);
const net = new Sequential(
  new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2),
  new Conv2d(4, 8, 3), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 3),
);
const images = randn([16, 1, 12, 12]);                             // 16 one-channel 12x12 images
const labels = Int32Array.from({ length: 16 }, (_, i) => i % 3);   // their classes, 0..2
const optimizer = new Adam(net.parameters(), { lr: 1e-2 });
for (let step = 1; step <= 30; step++) {
  const loss = tidy(() => {               // one training step, leaking nothing but the loss
    optimizer.zeroGrad();
    const l = crossEntropyLoss(net.forward(images), labels);
    l.backward();
    optimizer.step();
    return l;
  });
  if (step % 10 === 0) console.log(`step ${step}: loss ${loss.item().toFixed(4)}`);
  loss.dispose();
}
