import type { MessageSchema } from './en';
import data from './screens/data';
import evaluate from './screens/evaluate';
import histograms from './screens/histograms';
import map from './screens/map';
import model from './screens/model';
import models from './screens/models';
import inside from './screens/inside';
import playground from './screens/playground';
import runDetail from './screens/run-detail';
import runs from './screens/runs';
import sweeps from './screens/sweeps';
import train from './screens/train';
import write from './screens/write';

/** 简体中文。键与英文完全一致（有测试检查）。 */
const zhCN: MessageSchema = {
  app: {
    name: 'MNIST Studio',
    skipToContent: '跳到主要内容',
    screens: '页面',
    pageTitle: '{screen} · MNIST Studio',
  },
  nav: {
    workflow: '工作流程',
    results: '结果',
  },
  status: {
    connecting: '正在连接…',
    electron: '已连接 · 桌面应用',
    web: '已连接 · 网页模式',
    offline: '未连接到后台引擎。',
    noToken: '此链接缺少令牌：请打开 mnist-studio serve 打印的完整地址。',
    failed: '后台引擎没有响应。',
  },
  quick: {
    switchLanguage: '将语言切换为{language}',
    toDark: '切换到深色主题',
    toLight: '切换到浅色主题',
  },
  screens: {
    data: { title: '数据', summary: '网络要学习的手写数字。' },
    model: { title: '模型', summary: '选择网络结构，再逐层调整。' },
    train: { title: '训练', summary: '设置超参数，开始训练，看着损失一路下降。' },
    runs: { title: '训练记录', summary: '每一次训练的配置和结果，放在一起对比。' },
    evaluate: { title: '评估', summary: '模型哪里判断对了，又错在哪里。' },
    playground: { title: '试一试', summary: '写一个数字，看看模型认为它是几。' },
    write: { title: '手写', summary: '收集你自己的手写数字，作为个人测试集。' },
    models: { title: '模型库', summary: '已保存的模型：加载、重命名、导入和导出。' },
    sweeps: { title: '超参数扫描', summary: '多次训练，一个答案：哪个学习率、宽度或优化器最好。' },
    settings: { title: '设置', summary: '语言、外观、下载镜像以及本机安装信息。' },
  },
  playground: playground['zh-CN'],
  write: write['zh-CN'],
  inside: inside['zh-CN'],
  models: models['zh-CN'],
  data: data['zh-CN'],
  runs: runs['zh-CN'],
  sweeps: sweeps['zh-CN'],
  ...runDetail['zh-CN'],
  evaluate: evaluate['zh-CN'],
  map: map['zh-CN'],
  histograms: histograms['zh-CN'],
  settings: {
    appearance: {
      title: '外观',
      theme: '主题',
      themeHint: '“跟随系统”会随电脑的浅色或深色模式自动切换。',
      language: '语言',
      languageHint: '“跟随系统”会使用浏览器或电脑的语言。',
    },
    mirrors: {
      title: '下载镜像',
      hint: '下载数据集时会先尝试这些基础地址，再使用官方地址。文件名会拼接在地址末尾。',
      none: '尚未添加镜像：数据集将从官方地址下载。',
      url: '镜像地址',
      placeholder: 'https://mirror.example.org/mnist/',
      add: '添加',
      remove: '移除 {url}',
      readOnly: '镜像需在桌面应用中或在运行工作室的电脑上用 mnist-studio 设置；浏览器无法修改。',
      problems: {
        empty: '请输入地址。',
        'too-long': '这个地址太长了。',
        'not-a-url': '这不是一个网址，应当形如 https://mirror.example.org/mnist/。',
        protocol: '地址必须以 http:// 或 https:// 开头。',
        credentials: '地址中不能包含用户名或密码。',
        query: '地址中不能包含 ? 或 #，因为文件名会拼接在它的末尾。',
        duplicate: '这个镜像已经在列表中了。',
        'too-many': '最多只能添加 {max} 个镜像。',
      },
    },
    about: {
      title: '关于',
      version: '版本',
      shell: '运行方式',
      shells: { electron: '桌面应用', web: '网页模式（由 mnist-studio serve 提供）' },
      platform: '平台',
      threads: '{count} 个 CPU 线程',
      runtime: '运行环境',
      home: '数据目录',
      homeHint: '数据集、训练记录、模型和 settings.json 都保存在这里。',
      unavailable: '未连接到后台引擎，暂无可显示的信息。',
    },
  },
  choices: {
    system: '跟随系统',
    light: '浅色',
    dark: '深色',
  },
  languages: {
    en: 'English',
    'zh-CN': '简体中文',
  },
  toast: {
    region: '通知',
    dismiss: '关闭',
    levels: { info: '提示', success: '完成', warning: '警告', error: '错误' },
  },
  notices: {
    settingsReset: {
      title: '设置已重置',
      body: '设置文件无法使用（{reason}），已改用默认设置。原文件保留在：',
    },
    settingsUnusable: {
      title: '设置无法使用',
      body: '设置文件无法使用（{reason}），也无法移到别处。当前使用默认设置；在修复下面这个文件或其所在的文件夹之前，更改不会被保存：',
    },
    settingsNotSaved: {
      title: '设置未保存',
    },
  },
  reasons: {
    'not-json': '它不是有效的 JSON 文件',
    folder: '它是一个文件夹，而不是文件',
    unreadable: '无法读取该文件',
    'invalid-value': '“{field}”的值无效',
  },
  errors: {
    INVALID_ARGUMENT: '工作室无法使用所提供的内容：',
    NOT_FOUND: '找不到所需的内容：',
    BUSY: '正忙于另一项任务。',
    CANCELLED: '已取消。',
    IO: '无法读取或写入文件。',
    NETWORK: '所有镜像都下载失败了。',
    INTEGRITY: '文件未通过完整性校验。',
    NATIVE: '原生 TensorFlow 出错或缺失。',
    FORBIDDEN: '请求被拒绝。',
    UNAVAILABLE: '无法连接到后台引擎。',
    noToken: '打开此页面的链接缺少访问令牌，因此无法连接后台引擎（引擎可能正在运行）。请打开 mnist-studio serve 在终端中打印的完整地址：它以 ?token=… 结尾。',
    INTERNAL: '程序内部出现了错误。',
  },
  filePicker: {
    choose: '选择文件…',
    none: '未选择文件',
    chosen: '已选择 {count} 个文件（{size}）',
  },
  chart: {
    step: '步数',
    loss: '损失',
    epoch: '轮次',
    accuracy: '准确率',
    training: '训练',
    validation: '验证',
    lossTitle: '训练损失',
    batchLoss: '每批',
    smoothed: '平滑',
    epochMean: '每轮平均',
    validationLoss: '验证',
    accuracyTitle: '每轮准确率',
    png: 'PNG',
    savePng: '把{chart}图保存为 PNG',
    pngFailed: '无法保存图表',
  },
  format: {
    milliseconds: '{ms} 毫秒',
    seconds: '{s} 秒',
    minutes: '{m} 分 {s} 秒',
    hours: '{h} 小时 {m} 分',
  },
  model: model['zh-CN'],
  train: train['zh-CN'],
};

export default zhCN;
