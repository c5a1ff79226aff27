/** Parameter names, order and shapes equal PyTorch's for the same architecture. */
import '@tapegrad/backend-cpu';
import { ones } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential,
} from '../src/index.js';
import type { Tensor } from '@tapegrad/core';

function block(inC: number, outC: number, k: number, s: number, p: number): Sequential {
  return new Sequential(new Conv2d(inC, outC, k, s, p), new ReLU(), new Conv2d(outC, outC, 1), new ReLU(), new Conv2d(outC, outC, 1), new ReLU());
}

/** Printed by torch 1.13 for the same nn.Sequential (list(net.named_parameters())). */
const TORCH_NAMED_PARAMETERS: [string, number[]][] = [
  ['0.0.weight', [96, 1, 11, 11]], ['0.0.bias', [96]], ['0.2.weight', [96, 96, 1, 1]], ['0.2.bias', [96]],
  ['0.4.weight', [96, 96, 1, 1]], ['0.4.bias', [96]], ['2.0.weight', [256, 96, 5, 5]], ['2.0.bias', [256]],
  ['2.2.weight', [256, 256, 1, 1]], ['2.2.bias', [256]], ['2.4.weight', [256, 256, 1, 1]], ['2.4.bias', [256]],
  ['5.0.weight', [10, 256, 3, 3]], ['5.0.bias', [10]], ['5.2.weight', [10, 10, 1, 1]], ['5.2.bias', [10]],
  ['5.4.weight', [10, 10, 1, 1]], ['5.4.bias', [10]], ['8.weight', [5, 10]],
];

class WithOwnParameter extends Module {
  readonly scale: Tensor;
  readonly body: Sequential;
  readonly head: Linear;

  constructor() {
    super();
    this.scale = this.registerParameter('scale', ones([3]));
    this.body = this.registerModule('body', new Sequential(new Linear(3, 4), new ReLU()));
    this.head = this.registerModule('head', new Linear(4, 2));
    this.registerModule('tied', this.head);
  }

  forward(x: Tensor): Tensor {
    return this.head.forward(this.body.forward(x.mul(this.scale)));
  }
}

describe('parameter names as PyTorch', () => {
  it('nested Sequential (a NiN-like net): names, order and shapes equal torch\'s named_parameters()', () => {
    const net = new Sequential(
      block(1, 96, 11, 4, 0), new MaxPool2d(3, 2), block(96, 256, 5, 1, 2), new MaxPool2d(3, 2), new Dropout(0.5),
      block(256, 10, 3, 1, 1), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(10, 5, false),
    );
    expect(net.namedParameters().map(([name, p]) => [name, [...p.shape]])).toEqual(TORCH_NAMED_PARAMETERS);
    expect([...net.stateDict().keys()]).toEqual(TORCH_NAMED_PARAMETERS.map(([name]) => name));
    expect(net.namedChildren().map(([name]) => name)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
    expect(net.parameters()).toEqual(net.namedParameters().map(([, p]) => p));
  });

  it('own parameters come before children\'s; a shared module is named once by namedParameters, twice by stateDict', () => {
    const m = new WithOwnParameter();
    // torch 1.13: named_parameters() and state_dict().keys() of the same module.
    expect(m.namedParameters().map(([name]) => name)).toEqual(['scale', 'body.0.weight', 'body.0.bias', 'head.weight', 'head.bias']);
    expect([...m.stateDict().keys()]).toEqual(['scale', 'body.0.weight', 'body.0.bias', 'head.weight', 'head.bias', 'tied.weight', 'tied.bias']);
    expect(m.stateDict().get('tied.weight')).toBe(m.head.weight);
    expect(m.namedChildren().map(([name]) => name)).toEqual(['body', 'head', 'tied']);
    expect(m.children()).toEqual([m.body, m.head, m.head]);
    expect(m.namedModules().map(([name]) => name)).toEqual(['', 'body', 'body.0', 'body.1', 'head']);
  });
});
