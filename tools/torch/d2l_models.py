"""The d2l models of "Convolutional Neural Networks" (LeNet) and "Modern Convolutional Neural
Networks" (AlexNet, VGG, NiN, GoogLeNet, ResNet-18, DenseNet), PyTorch edition, as @tapegrad/vision
builds them: the same nn.Sequential / nn.Module structure, so the state-dict keys are the same on
both sides, and the same options (camelCase names, as in tapegrad's JSON and checkpoints).

widthDivisor divides every channel count and hidden width: c becomes max(1, c // widthDivisor),
as the chapter's `ratio` for VGG's small_conv_arch.
"""

import torch
from torch import nn
from torch.nn import functional as F


def scale_width(channels, width_divisor):
    return max(1, channels // width_divisor)


def flat_features(features, input_size):
    """What the first Linear takes: the features' output size for one 1 x input_size^2 image."""
    with torch.no_grad():
        return nn.Sequential(*features)(torch.zeros(1, 1, input_size, input_size)).numel()


def lenet(activation="sigmoid", inputSize=28, widthDivisor=1, numClasses=10):
    act = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[activation]
    c1, c2, h1, h2 = (scale_width(c, widthDivisor) for c in (6, 16, 120, 84))
    features = [nn.Conv2d(1, c1, kernel_size=5, padding=2), act(), nn.AvgPool2d(kernel_size=2, stride=2),
                nn.Conv2d(c1, c2, kernel_size=5), act(), nn.AvgPool2d(kernel_size=2, stride=2)]
    return nn.Sequential(
        *features, nn.Flatten(),
        nn.Linear(flat_features(features, inputSize), h1), act(),
        nn.Linear(h1, h2), act(),
        nn.Linear(h2, numClasses))


def alexnet(inputSize=224, dropout=0.5, widthDivisor=1, numClasses=10):
    c1, c2, c3, c4, c5, hidden = (scale_width(c, widthDivisor) for c in (96, 256, 384, 384, 256, 4096))
    features = [
        nn.Conv2d(1, c1, kernel_size=11, stride=4, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(c1, c2, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(c2, c3, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(c3, c4, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(c4, c5, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2)]
    return nn.Sequential(
        *features, nn.Flatten(),
        nn.Linear(flat_features(features, inputSize), hidden), nn.ReLU(), nn.Dropout(p=dropout),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(p=dropout),
        nn.Linear(hidden, numClasses))


VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(arch=VGG11_ARCH, inputSize=224, dropout=0.5, widthDivisor=1, numClasses=10):
    blocks = []
    in_channels = 1
    for num_convs, channels in arch:
        out_channels = scale_width(channels, widthDivisor)
        blocks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    hidden = scale_width(4096, widthDivisor)
    return nn.Sequential(
        *blocks, nn.Flatten(),
        nn.Linear(flat_features(blocks, inputSize), hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, numClasses))


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


# tapegrad's NiN variants: (channels, kernel, stride, padding) of the three feature blocks, dropout.
NIN_VARIANTS = {
    "d2l": (((96, 11, 4, 0), (256, 5, 1, 2), (384, 3, 1, 1)), 0.5),
    "small": (((16, 5, 1, 2), (32, 3, 1, 1), (64, 3, 1, 1)), 0.0),
}


def nin(variant="d2l", widths=None, numClasses=10, dropout=None):
    """@tapegrad/vision's nin (and @tapegrad/nin's): the chapter's NiN, or 'small' for 28x28."""
    blocks, default_dropout = NIN_VARIANTS[variant]
    if widths is not None:
        blocks = tuple((w,) + b[1:] for w, b in zip(widths, blocks))
    (c0, k0, s0, p0), (c1, k1, s1, p1), (c2, k2, s2, p2) = blocks
    return nn.Sequential(
        nin_block(1, c0, k0, s0, p0), nn.MaxPool2d(3, stride=2),
        nin_block(c0, c1, k1, s1, p1), nn.MaxPool2d(3, stride=2),
        nin_block(c1, c2, k2, s2, p2), nn.MaxPool2d(3, stride=2),
        nn.Dropout(default_dropout if dropout is None else dropout),
        nin_block(c2, numClasses, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())


class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)
        self.out_channels = c1 + c2[1] + c3[1] + c4

    def forward(self, x):
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        return torch.cat((p1, p2, p3, p4), dim=1)


# The chapter's Inception blocks of b3, b4 and b5: (c1, c2, c3, c4), the input being the last output.
GOOGLENET_INCEPTIONS = (
    ((64, (96, 128), (16, 32), 32), (128, (128, 192), (32, 96), 64)),
    ((192, (96, 208), (16, 48), 64), (160, (112, 224), (24, 64), 64), (128, (128, 256), (24, 64), 64),
     (112, (144, 288), (32, 64), 64), (256, (160, 320), (32, 128), 128)),
    ((256, (160, 320), (32, 128), 128), (384, (192, 384), (48, 128), 128)),
)


def googlenet(widthDivisor=1, numClasses=10):
    w = lambda c: scale_width(c, widthDivisor)
    b1 = nn.Sequential(nn.Conv2d(1, w(64), kernel_size=7, stride=2, padding=3),
                       nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(nn.Conv2d(w(64), w(64), kernel_size=1), nn.ReLU(),
                       nn.Conv2d(w(64), w(192), kernel_size=3, padding=1), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    channels = w(192)
    stages = []
    for specs in GOOGLENET_INCEPTIONS:
        blocks = []
        for c1, c2, c3, c4 in specs:
            block = Inception(channels, w(c1), (w(c2[0]), w(c2[1])), (w(c3[0]), w(c3[1])), w(c4))
            blocks.append(block)
            channels = block.out_channels
        stages.append(blocks)
    b3 = nn.Sequential(*stages[0], nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b4 = nn.Sequential(*stages[1], nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b5 = nn.Sequential(*stages[2], nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
    return nn.Sequential(b1, b2, b3, b4, b5, nn.Linear(channels, numClasses))


class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk


def resnet18(widthDivisor=1, numClasses=10):
    c1, c2, c3, c4 = (scale_width(c, widthDivisor) for c in (64, 128, 256, 512))
    b1 = nn.Sequential(nn.Conv2d(1, c1, kernel_size=7, stride=2, padding=3),
                       nn.BatchNorm2d(c1), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    return nn.Sequential(
        b1,
        nn.Sequential(*resnet_block(c1, c1, 2, first_block=True)),
        nn.Sequential(*resnet_block(c1, c2, 2)),
        nn.Sequential(*resnet_block(c2, c3, 2)),
        nn.Sequential(*resnet_block(c3, c4, 2)),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(), nn.Linear(c4, numClasses))


def conv_block(input_channels, num_channels):
    return nn.Sequential(
        nn.BatchNorm2d(input_channels), nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    def __init__(self, num_convs, input_channels, num_channels):
        super().__init__()
        layer = []
        for i in range(num_convs):
            layer.append(conv_block(num_channels * i + input_channels, num_channels))
        self.net = nn.Sequential(*layer)

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)
        return X


def transition_block(input_channels, num_channels):
    return nn.Sequential(
        nn.BatchNorm2d(input_channels), nn.ReLU(),
        nn.Conv2d(input_channels, num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2))


def densenet(widthDivisor=1, numClasses=10):
    num_channels, growth_rate = scale_width(64, widthDivisor), scale_width(32, widthDivisor)
    b1 = nn.Sequential(nn.Conv2d(1, num_channels, kernel_size=7, stride=2, padding=3),
                       nn.BatchNorm2d(num_channels), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    num_convs_in_dense_blocks = [4, 4, 4, 4]
    blks = []
    for i, num_convs in enumerate(num_convs_in_dense_blocks):
        blks.append(DenseBlock(num_convs, num_channels, growth_rate))
        num_channels += num_convs * growth_rate
        if i != len(num_convs_in_dense_blocks) - 1:
            blks.append(transition_block(num_channels, num_channels // 2))
            num_channels = num_channels // 2
    return nn.Sequential(
        b1, *blks,
        nn.BatchNorm2d(num_channels), nn.ReLU(),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.Linear(num_channels, numClasses))


# Model name (as @tapegrad/vision's VISION_MODELS names it) -> constructor taking its options.
MODELS = {
    "lenet": lenet,
    "alexnet": alexnet,
    "vgg": vgg,
    "nin": nin,
    "googlenet": googlenet,
    "resnet18": resnet18,
    "densenet": densenet,
}
