/** The Model screen's words: presets, the layer editor, and what the shape check says. */
import type { ImageLayerType, LayerField, LayerType } from '@shared/model-spec';
import type { LAYERS } from '@shared/model-spec';

/** The layer types without settings: the editor shows a hint instead (its registry module lists no fields). */
type FieldlessType = { [T in LayerType]: (typeof LAYERS)[T]['fields'] extends readonly [] | never[] ? T : never }[LayerType];

const en = {
  toTrain: 'Train this network',
  name: 'Name',
  nameError: 'Give the network a name of 1 to 64 characters.',
  presets: {
    heading: 'Start from a preset',
    inUse: 'In use',
    meta: '{layers} layers · {params} parameters',
    mlp: {
      title: 'The tutorial’s MLP',
      body: '784 → 128 → 64 → 10 with ReLU: the network the tutorial trains first, to above 95% on MNIST.',
    },
    cnn: {
      title: 'LeNet-style CNN',
      body: 'Two convolutions, each followed by max pooling, then three dense layers: slower, and more accurate.',
    },
  },
  summary: {
    heading: 'This network',
    params: 'Parameters',
    layers: 'Layers',
    output: 'Output',
    classScores: '10 class scores',
    ready: 'Ready to train',
    issues: 'Problems to fix before training: {count}',
  },
  diagram: {
    heading: 'Architecture',
    input: 'Input',
    label: 'The network, layer by layer: {layers}',
  },
  layers: {
    heading: 'Layers',
    inputHint: 'one 28×28 grayscale image',
    add: 'Add a layer',
    addHint: 'A new layer goes in just before the last one, which gives the 10 class scores. Move layers with the arrows, or drag them by the handle.',
    full: 'A network holds at most {max} layers.',
    handleHint: 'Press the up or down arrow key to move this layer; Home and End move it to the start or the end.',
  },
  layer: {
    handle: 'Layer {position}, {type}: move',
    moveUp: 'Move layer {position} ({type}) up',
    moveDown: 'Move layer {position} ({type}) down',
    remove: 'Remove layer {position} ({type})',
    params: '{count} params',
  },
  announce: {
    moved: '{type} moved to position {position} of {count}.',
    added: '{type} added at position {position}.',
    removed: 'Layer {position} ({type}) removed.',
    preset: '{name} loaded.',
  },
  types: {
    dense: 'Dense',
    conv2d: 'Convolution',
    maxPooling2d: 'Max pooling',
    averagePooling2d: 'Average pooling',
    globalAveragePooling2d: 'Global average pooling',
    batchNormalization: 'Batch norm',
    flatten: 'Flatten',
    dropout: 'Dropout',
  } satisfies Record<LayerType, string>,
  /** For the types without settings. */
  typeHints: {
    flatten: 'Turns an image-shaped input into one long vector.',
    globalAveragePooling2d: 'Averages each channel over the whole image: height×width×channels becomes one value per channel.',
  } satisfies Record<FieldlessType, string>,
  fields: {
    type: 'Type',
    units: 'Units',
    filters: 'Filters',
    kernelSize: 'Kernel size',
    strides: 'Stride',
    padding: 'Padding',
    activation: 'Activation',
    poolSize: 'Pool size',
    rate: 'Drop rate',
    momentum: 'Momentum',
    auto: 'Auto',
  } satisfies Record<LayerField | 'type' | 'auto', string>,
  activations: {
    relu: 'ReLU',
    sigmoid: 'Sigmoid',
    tanh: 'Tanh',
    linear: 'Linear',
  },
  padding: {
    valid: 'None',
    same: 'Same size',
  },
  fieldErrors: {
    whole: '{field}: enter a whole number from {min} to {max}.',
    rate: '{field}: enter a number from 0 up to, but not including, 1 (such as 0.25).',
    momentum: '{field}: enter a number from 0 up to, but not including, 1 (such as 0.99).',
  },
  problems: {
    needsFlatInput: 'A dense layer needs a flat input, but this one gets {shape}. Put a flatten layer before it.',
    needsImageInput: {
      conv2d: 'A convolution needs an image-shaped input (height×width×channels), but this one gets {shape}. Move it before any flatten or dense layer.',
      maxPooling2d: 'Pooling needs an image-shaped input (height×width×channels), but this one gets {shape}. Move it before any flatten or dense layer.',
      averagePooling2d: 'Pooling needs an image-shaped input (height×width×channels), but this one gets {shape}. Move it before any flatten or dense layer.',
      globalAveragePooling2d: 'Global pooling needs an image-shaped input (height×width×channels), but this one gets {shape}. Move it before any flatten or dense layer.',
    } satisfies Record<ImageLayerType, string>,
    kernelTooLarge: 'A {size}×{size} kernel does not fit its {height}×{width} input. Use a smaller kernel, or the padding “Same size”.',
    poolTooLarge: 'A {size}×{size} pool does not fit its {height}×{width} input. Use a smaller pool size.',
    alreadyFlat: 'Its input is already flat, so this layer does nothing. Remove it.',
    wrongOutput: 'The network must end in the {classes} class scores (a dense layer with {classes} units), but it outputs {shape}.',
    tooManyParams: 'The network has {params} parameters; at most {max} fit in memory for training. Use fewer units or filters.',
  },
};

const zhCN: typeof en = {
  toTrain: '训练这个网络',
  name: '名称',
  nameError: '请给网络起一个 1 到 64 个字符的名称。',
  presets: {
    heading: '从预设开始',
    inUse: '使用中',
    meta: '{layers} 层 · {params} 个参数',
    mlp: {
      title: '教程里的多层感知机',
      body: '784 → 128 → 64 → 10，使用 ReLU：教程最先训练的网络，在 MNIST 上准确率超过 95%。',
    },
    cnn: {
      title: 'LeNet 风格的卷积网络',
      body: '两个卷积层，各接一个最大池化层，再接三个全连接层：更慢，但更准。',
    },
  },
  summary: {
    heading: '当前网络',
    params: '参数量',
    layers: '层数',
    output: '输出',
    classScores: '10 个类别得分',
    ready: '可以开始训练',
    issues: '训练前需要修正的问题：{count} 处',
  },
  diagram: {
    heading: '网络结构',
    input: '输入',
    label: '网络的逐层结构：{layers}',
  },
  layers: {
    heading: '网络层',
    inputHint: '一张 28×28 的灰度图像',
    add: '添加一层',
    addHint: '新层会插在最后一层之前（最后一层输出 10 个类别得分）。可以用箭头按钮移动各层，也可以按住手柄拖动。',
    full: '一个网络最多 {max} 层。',
    handleHint: '按上下方向键移动这一层；按 Home 或 End 键移到最前或最后。',
  },
  layer: {
    handle: '第 {position} 层，{type}：移动',
    moveUp: '将第 {position} 层（{type}）上移',
    moveDown: '将第 {position} 层（{type}）下移',
    remove: '删除第 {position} 层（{type}）',
    params: '{count} 个参数',
  },
  announce: {
    moved: '{type}已移到第 {position} 位，共 {count} 层。',
    added: '已在第 {position} 位添加{type}。',
    removed: '已删除第 {position} 层（{type}）。',
    preset: '已载入{name}。',
  },
  types: {
    dense: '全连接层',
    conv2d: '卷积层',
    maxPooling2d: '最大池化层',
    averagePooling2d: '平均池化层',
    globalAveragePooling2d: '全局平均池化层',
    batchNormalization: '批归一化层',
    flatten: '展平层',
    dropout: 'Dropout 层',
  },
  typeHints: {
    flatten: '把图像形状的输入展开成一个长向量。',
    globalAveragePooling2d: '对每个通道在整幅图像上取平均：高×宽×通道变为每个通道一个值。',
  },
  fields: {
    type: '类型',
    units: '神经元数',
    filters: '卷积核数',
    kernelSize: '卷积核大小',
    strides: '步长',
    padding: '填充',
    activation: '激活函数',
    poolSize: '池化窗口',
    rate: '丢弃率',
    momentum: '动量',
    auto: '自动',
  },
  activations: {
    relu: 'ReLU',
    sigmoid: 'Sigmoid',
    tanh: 'Tanh',
    linear: '线性',
  },
  padding: {
    valid: '无',
    same: '保持尺寸',
  },
  fieldErrors: {
    whole: '{field}：请输入 {min} 到 {max} 之间的整数。',
    rate: '{field}：请输入不小于 0 且小于 1 的数（例如 0.25）。',
    momentum: '{field}：请输入不小于 0 且小于 1 的数（例如 0.99）。',
  },
  problems: {
    needsFlatInput: '全连接层需要展平的输入，但这一层得到的是 {shape}。请在它前面加一个展平层。',
    needsImageInput: {
      conv2d: '卷积层需要图像形状的输入（高×宽×通道），但这一层得到的是 {shape}。请把它移到所有展平层和全连接层之前。',
      maxPooling2d: '池化层需要图像形状的输入（高×宽×通道），但这一层得到的是 {shape}。请把它移到所有展平层和全连接层之前。',
      averagePooling2d: '池化层需要图像形状的输入（高×宽×通道），但这一层得到的是 {shape}。请把它移到所有展平层和全连接层之前。',
      globalAveragePooling2d: '全局池化层需要图像形状的输入（高×宽×通道），但这一层得到的是 {shape}。请把它移到所有展平层和全连接层之前。',
    },
    kernelTooLarge: '{size}×{size} 的卷积核放不进 {height}×{width} 的输入。请用更小的卷积核，或把填充改为“保持尺寸”。',
    poolTooLarge: '{size}×{size} 的池化窗口放不进 {height}×{width} 的输入。请用更小的池化窗口。',
    alreadyFlat: '它的输入已经是展平的，这一层不起作用，请删除。',
    wrongOutput: '网络最后必须输出 {classes} 个类别得分（一个 {classes} 个神经元的全连接层），但现在输出的是 {shape}。',
    tooManyParams: '这个网络有 {params} 个参数，训练时内存最多容纳 {max} 个。请减少神经元数或卷积核数。',
  },
};

export default { en, 'zh-CN': zhCN };
