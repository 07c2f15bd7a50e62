/** The run detail view's histograms of weights and gradients; en.ts and zh-CN.ts each take one half under `histograms`. */
const en = {
  heading: 'Weights and gradients over time',
  failed: 'The histograms could not be read',
  none: 'This run recorded no histograms (runs from before they were recorded have none).',
  tensor: 'Tensor',
  seriesOption: 'Layer {layer}: {name} ({shape})',
  kind: 'Show',
  weights: 'Weights',
  gradients: 'Gradients',
  explain: 'One ridge per epoch, the first at the top; epoch 0 is the weights the run started from. Gradients are measured on the same {rows} training images each time.',
  epoch: 'epoch {epoch}',
  summary: 'Histograms of {name} over {epochs} epochs; at the last, from {min} to {max}',
};

const zh: typeof en = {
  heading: '权重与梯度随训练的变化',
  failed: '无法读取直方图',
  none: '此训练没有记录直方图（记录此功能之前的训练没有）。',
  tensor: '张量',
  seriesOption: '第 {layer} 层：{name}（{shape}）',
  kind: '显示',
  weights: '权重',
  gradients: '梯度',
  explain: '每个轮次一条曲线，最早的在最上方；第 0 轮是训练开始时的权重。梯度每次都在同样的 {rows} 张训练图像上计算。',
  epoch: '第 {epoch} 轮',
  summary: '{name} 在 {epochs} 个轮次中的直方图；最后一轮的取值范围为 {min} 到 {max}',
};

export default { en, 'zh-CN': zh };
