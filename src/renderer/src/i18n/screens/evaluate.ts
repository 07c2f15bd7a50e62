/**
 * The Evaluate screen's words, in their own file so that screens built side
 * by side do not edit the same lines; en.ts and zh-CN.ts each take one half
 * under `evaluate`. Placeholders as in en.ts.
 */
const en = {
  run: 'Run',
  dataset: {
    label: 'Test set',
    own: 'Its own ({dataset})',
    personal: '{dataset} (yours)',
    scoring: 'Scoring the model on the chosen set…',
    scoredOn: 'The model of this run, scored on {dataset}.',
    mismatch: 'This model was trained on {model}; its classes differ from {dataset}’s, so its accuracy there means little.',
  },
  empty: {
    title: 'Nothing to evaluate yet',
    body: 'Once a training run finishes, its test accuracy and its mistakes are laid out here, class by class.',
    action: 'Go to Train',
  },
  missing: 'Run {id} has no test results to show: it was deleted or has not finished. The latest run is shown instead.',
  loading: 'Reading the run’s test results…',
  failed: 'The run’s test results could not be read',
  stats: {
    accuracy: 'Test accuracy',
    loss: 'Test loss',
    images: 'Test images',
    mistakes: 'Misclassified',
    about: '{model} on {dataset} · epochs: {epochs} · {params} parameters',
    stopped: 'Stopped early: the model as it was then.',
  },
  classes: {
    title: 'Per class',
    hint: 'Precision: of the images the model called this class, how many were. Recall: of this class’s images, how many it found. F1 weighs both.',
    class: 'Class',
    precision: 'Precision',
    recall: 'Recall',
    f1: 'F1',
    support: 'Images',
  },
  matrix: {
    title: 'Confusion matrix',
    hint: 'Rows are the true class, columns what the model predicted; the diagonal is right. Choose a cell off the diagonal to see its images.',
    label: 'Confusion matrix: a row per true class, a column per predicted class, with the number of test images in each cell',
    truth: 'True class',
    predicted: 'Predicted class',
    corner: 'True ＼ predicted',
    cell: '{count} images of {label} predicted as {predicted}',
    correct: '{count} images of {label} predicted correctly',
  },
  images: {
    title: '{label} predicted as {predicted}',
    count: '{shown} of {total} images',
    hint: 'Choose a cell of the matrix off the diagonal to see the test images behind it.',
    loading: 'Reading the images…',
    more: 'Show more',
    failed: 'The images could not be read',
    image: 'Test image {index}',
    grid: 'Test images of {label} the model took for {predicted}',
    folder: 'This run was trained on a folder rather than a data set in the studio, so its test images cannot be shown here.',
    replaced: 'The data set {dataset} was replaced since this run was tested, so its images would not be the run’s.',
  },
};

const zhCN: typeof en = {
  run: '训练',
  dataset: {
    label: '测试集',
    own: '它自己的（{dataset}）',
    personal: '{dataset}（你的）',
    scoring: '正在用所选数据集评估模型…',
    scoredOn: '这次训练得到的模型在 {dataset} 上的结果。',
    mismatch: '这个模型是在 {model} 上训练的；它的类别与 {dataset} 的不同，所以在那里的准确率意义不大。',
  },
  empty: {
    title: '还没有可以评估的模型',
    body: '训练完成后，这里会逐类展示模型的测试准确率和它犯的错。',
    action: '去训练',
  },
  missing: '训练 {id} 没有可显示的测试结果：它已被删除或尚未完成。下面显示的是最近一次训练。',
  loading: '正在读取测试结果…',
  failed: '无法读取这次训练的测试结果',
  stats: {
    accuracy: '测试准确率',
    loss: '测试损失',
    images: '测试图片',
    mistakes: '分类错误',
    about: '{model}，数据集 {dataset} · {epochs} 轮 · {params} 个参数',
    stopped: '提前停止：这是停止时的模型。',
  },
  classes: {
    title: '各类别',
    hint: '精确率：模型判为该类的图片中，真正属于该类的比例。召回率：该类图片中被模型找出的比例。F1 综合两者。',
    class: '类别',
    precision: '精确率',
    recall: '召回率',
    f1: 'F1',
    support: '图片数',
  },
  matrix: {
    title: '混淆矩阵',
    hint: '行是真实类别，列是模型预测的类别，对角线上是预测正确的。选择对角线以外的格子，查看其中的图片。',
    label: '混淆矩阵：每行一个真实类别，每列一个预测类别，格子里是测试图片的数量',
    truth: '真实类别',
    predicted: '预测类别',
    corner: '真实 ＼ 预测',
    cell: '{count} 张 {label} 被预测为 {predicted}',
    correct: '{count} 张 {label} 预测正确',
  },
  images: {
    title: '{label} 被预测为 {predicted}',
    count: '{shown} / {total} 张图片',
    hint: '选择混淆矩阵中对角线以外的格子，查看其中的测试图片。',
    loading: '正在读取图片…',
    more: '显示更多',
    failed: '无法读取图片',
    image: '测试图片 {index}',
    grid: '模型把这些 {label} 测试图片当成了 {predicted}',
    folder: '这次训练使用的是一个文件夹，而不是工作室中的数据集，所以无法在这里显示它的测试图片。',
    replaced: '数据集 {dataset} 在这次训练测试之后被替换了，显示的图片将不再是这次训练用的。',
  },
};

export default { en, 'zh-CN': zhCN };
