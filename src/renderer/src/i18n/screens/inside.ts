/**
 * Looking inside the network (the Playground's "Inside" card, the first
 * layer on the model's page and the Train screen); en.ts and zh-CN.ts each
 * take one half under `inside`. Placeholders as in en.ts.
 */
const en = {
  card: {
    heading: 'Inside the network',
    show: 'Look inside',
    hide: 'Hide',
    intro: 'Every layer’s output for your drawing, and what the answer rests on.',
    waiting: 'Draw something to see what each layer makes of it.',
    liveEpoch: 'With the weights the run has after epoch {epoch}; looked at again after every epoch.',
    liveStart: 'With the weights the run starts from; looked at again after every epoch.',
    failed: 'The network could not be looked inside',
    working: 'Looking…',
    took: 'worked out in {ms} ms',
  },
  saliency: {
    heading: 'What the answer rests on',
    imageLabel: 'Saliency for {name} over what the model saw',
    why: 'Why {name}?',
    whyNot: 'Why not {name}? (the model says {predicted})',
    classLabel: 'Explain the class',
    methodLabel: 'Method',
    integrated: 'Integrated gradients',
    gradient: 'Gradient',
    raises: 'raises its score',
    lowers: 'lowers it',
    integratedNote: 'Integrated gradients: how much each pixel of ink adds to the score, compared with a blank image. Steadier than the gradient; zero where there is no ink.',
    gradientNote: 'Gradient: how the score would change if each pixel got a little brighter — also where there is no ink yet.',
  },
  layers: {
    heading: 'Each layer’s output',
    maps: '{count} feature maps (bright = high)',
    someMaps: 'the first {shown} of {total} feature maps',
    units: '{count} units (bright = high)',
    someUnits: 'the first {shown} of {total} units',
    range: 'from {min} to {max}',
  },
  first: {
    heading: 'What the first layer learned',
    labelDense: 'Weights of {shown} of {total} units of the first dense layer, one {size} image per unit',
    labelConv: '{shown} of {total} filters of the first convolution, {size} each',
    positive: 'positive',
    negative: 'negative',
    none: 'This network’s first weights do not look at the pixels directly, so there is no picture of them.',
    failed: 'The first layer could not be read',
    epoch: 'after epoch {epoch}',
    trainNote: 'Redrawn after every epoch: watch strokes appear out of the noise.',
  },
};

const zh: typeof en = {
  card: {
    heading: '网络内部',
    show: '看看内部',
    hide: '收起',
    intro: '你的手写数字经过每一层后的输出，以及模型的判断依据。',
    waiting: '写点什么，看看每一层如何处理它。',
    liveEpoch: '使用训练到第 {epoch} 轮后的权重；每轮结束后重新计算。',
    liveStart: '使用训练开始时的权重；每轮结束后重新计算。',
    failed: '无法查看网络内部',
    working: '计算中…',
    took: '用时 {ms} 毫秒',
  },
  saliency: {
    heading: '判断依据',
    imageLabel: '“{name}”的显著性图，叠加在模型看到的图像上',
    why: '为什么是 {name}？',
    whyNot: '为什么不是 {name}？（模型认为是 {predicted}）',
    classLabel: '解释的类别',
    methodLabel: '方法',
    integrated: '积分梯度',
    gradient: '梯度',
    raises: '提高得分',
    lowers: '降低得分',
    integratedNote: '积分梯度：与空白图像相比，每个有笔迹的像素为得分贡献了多少。比梯度更稳定；没有笔迹的地方为零。',
    gradientNote: '梯度：每个像素稍微变亮时得分如何变化——没有笔迹的地方也会显示。',
  },
  layers: {
    heading: '每一层的输出',
    maps: '{count} 个特征图（越亮值越大）',
    someMaps: '{total} 个特征图中的前 {shown} 个',
    units: '{count} 个单元（越亮值越大）',
    someUnits: '{total} 个单元中的前 {shown} 个',
    range: '从 {min} 到 {max}',
  },
  first: {
    heading: '第一层学到了什么',
    labelDense: '第一个全连接层 {total} 个单元中 {shown} 个的权重，每个单元一张 {size} 图像',
    labelConv: '第一个卷积层 {total} 个卷积核中的 {shown} 个，每个 {size}',
    positive: '正',
    negative: '负',
    none: '这个网络的第一层权重并不直接作用于像素，因此无法显示为图像。',
    failed: '无法读取第一层',
    epoch: '第 {epoch} 轮之后',
    trainNote: '每轮训练后重新绘制：看笔画如何从噪声中浮现。',
  },
};

export default { en, 'zh-CN': zh };
