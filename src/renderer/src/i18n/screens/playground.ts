/**
 * The Playground's words; en.ts and zh-CN.ts each take one half under
 * `playground`. Placeholders as in en.ts.
 */
const en = {
  empty: {
    title: 'No model to try yet',
    body: 'Train a network, or import one on the Models screen, then draw a digit here and watch what it thinks.',
    action: 'Go to Train',
    toModels: 'Open Models',
  },
  model: {
    label: 'Model',
    live: 'Model in training — epoch {epoch}',
    liveStarting: 'Model in training — starting',
    accuracy: '{accuracy} on the test set',
    notTested: 'not tested',
    noDataset: 'data set unknown',
    drawClothing: 'This model was trained on Fashion-MNIST: draw a piece of clothing (a T-shirt, trousers, a shoe, a bag…), not a digit.',
    drawClasses: 'This model tells apart: {classes}. Draw one of them.',
    liveNote: 'Your drawing is scored again after every epoch, with the weights the model has then.',
  },
  pad: {
    heading: 'Draw a digit',
    headingClothing: 'Draw a piece of clothing',
    headingOther: 'Draw an image',
    label: 'Drawing pad: draw a digit with the mouse, a finger or a pen',
    hint: 'Draw one digit, large, in the middle. Delete or Backspace clears the pad.',
    clear: 'Clear',
    open: 'Open an image…',
    drop: 'Drop a PNG or JPEG here',
    fileKinds: 'Only PNG and JPEG images can be read.',
    fileTooBig: 'The image is larger than {size}.',
    fileImage: 'Image: {file}',
  },
  seen: {
    heading: 'What the model sees',
    caption: 'Your drawing cropped, scaled to 20×20 and centred in 28×28, as MNIST digits are.',
  },
  bars: {
    heading: 'Probabilities',
    label: 'Probability of each class',
    waiting: 'Draw a digit to see what the model thinks.',
    thinking: 'Thinking…',
    top: 'It looks like {name} ({probability})',
    row: '{name}: {probability}',
    epoch: 'Scored by the model in training after epoch {epoch}',
  },
  failed: 'The drawing could not be scored',
  modelsFailed: 'The models could not be listed',
  hints: {
    NOT_FOUND: 'The model is gone: choose another one.',
    UNAVAILABLE: 'The model in training is still loading its data; it answers from the first batch on.',
  },
};

const zh: typeof en = {
  empty: {
    title: '还没有可以试用的模型',
    body: '先训练一个网络，或在“模型库”中导入一个，然后在这里写一个数字，看看它认为是几。',
    action: '前往训练',
    toModels: '打开模型库',
  },
  model: {
    label: '模型',
    live: '训练中的模型 — 第 {epoch} 轮',
    liveStarting: '训练中的模型 — 正在开始',
    accuracy: '测试集准确率 {accuracy}',
    notTested: '未测试',
    noDataset: '数据集未知',
    drawClothing: '这个模型是用 Fashion-MNIST 训练的：请画一件衣物（T 恤、裤子、鞋、包……），而不是数字。',
    drawClasses: '这个模型区分的类别：{classes}。请画其中一种。',
    liveNote: '每轮训练结束后，都会用模型当时的权重重新识别你写的数字。',
  },
  pad: {
    heading: '写一个数字',
    headingClothing: '画一件衣物',
    headingOther: '画一张图',
    label: '手写板：用鼠标、手指或触控笔写一个数字',
    hint: '在中间写一个大一点的数字。按 Delete 或 Backspace 清空手写板。',
    clear: '清空',
    open: '打开图片…',
    drop: '把 PNG 或 JPEG 图片拖到这里',
    fileKinds: '只能读取 PNG 和 JPEG 图片。',
    fileTooBig: '图片超过 {size}。',
    fileImage: '图片：{file}',
  },
  seen: {
    heading: '模型看到的样子',
    caption: '你写的数字经过裁剪、缩放到 20×20，并居中放在 28×28 中，和 MNIST 的数字一样。',
  },
  bars: {
    heading: '概率',
    label: '每个类别的概率',
    waiting: '写一个数字，看看模型怎么想。',
    thinking: '正在识别…',
    top: '看起来像 {name}（{probability}）',
    row: '{name}：{probability}',
    epoch: '由训练中的模型在第 {epoch} 轮结束后识别',
  },
  failed: '无法识别你写的数字',
  modelsFailed: '无法列出模型',
  hints: {
    NOT_FOUND: '这个模型已不存在，请选择另一个。',
    UNAVAILABLE: '训练中的模型还在加载数据，从第一批数据开始即可识别。',
  },
};

export default { en, 'zh-CN': zh };
