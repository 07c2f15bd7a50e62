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

/**
 * English, the reference language: every other language has exactly these
 * keys (a test checks). Placeholders are `{name}`; `@` and `|` are special
 * to vue-i18n and are written `{'@'}` / `{'|'}` when meant literally.
 */
const en = {
  app: {
    name: 'MNIST Studio',
    skipToContent: 'Skip to content',
    screens: 'Screens',
    pageTitle: '{screen} · MNIST Studio',
  },
  nav: {
    workflow: 'Workflow',
    results: 'Results',
  },
  status: {
    connecting: 'Connecting…',
    electron: 'Connected · desktop app',
    web: 'Connected · web mode',
    offline: 'Not connected to a studio engine.',
    noToken: 'This link is missing its token: open the full address mnist-studio serve printed.',
    failed: 'The studio engine did not answer.',
  },
  quick: {
    switchLanguage: 'Switch the language to {language}',
    toDark: 'Switch to the dark theme',
    toLight: 'Switch to the light theme',
  },
  screens: {
    data: { title: 'Data', summary: 'The handwritten digits your network learns from.' },
    model: { title: 'Model', summary: 'Choose a network and shape it layer by layer.' },
    train: { title: 'Train', summary: 'Set the hyperparameters, start training and watch the loss fall.' },
    runs: { title: 'Runs', summary: 'Every training run, its settings and its result, side by side.' },
    evaluate: { title: 'Evaluate', summary: 'Where the model is right, and where it goes wrong.' },
    playground: { title: 'Playground', summary: 'Draw a digit and see what the model thinks it is.' },
    write: { title: 'Write', summary: 'Collect your own handwritten digits as a personal test set.' },
    models: { title: 'Models', summary: 'The models you saved: load, rename, import and export them.' },
    sweeps: { title: 'Sweeps', summary: 'Many runs, one answer: which learning rate, width or optimizer works best.' },
    settings: { title: 'Settings', summary: 'Language, appearance, download mirrors and this installation.' },
  },
  playground: playground.en,
  write: write.en,
  inside: inside.en,
  models: models.en,
  data: data.en,
  runs: runs.en,
  sweeps: sweeps.en,
  ...runDetail.en,
  evaluate: evaluate.en,
  map: map.en,
  histograms: histograms.en,
  settings: {
    appearance: {
      title: 'Appearance',
      theme: 'Theme',
      themeHint: 'System follows your computer’s light or dark mode.',
      language: 'Language',
      languageHint: 'System follows your browser’s or computer’s language.',
    },
    mirrors: {
      title: 'Download mirrors',
      hint: 'Base addresses tried first when a data set is downloaded, before the official hosts. The file names are added to the end.',
      none: 'No mirrors: data sets come from the official hosts.',
      url: 'Mirror address',
      placeholder: 'https://mirror.example.org/mnist/',
      add: 'Add',
      remove: 'Remove {url}',
      readOnly: 'Mirrors are set in the desktop app or with mnist-studio on the computer running the studio; a browser cannot change them.',
      problems: {
        empty: 'Enter an address.',
        'too-long': 'This address is too long.',
        'not-a-url': 'This is not a web address. It should look like https://mirror.example.org/mnist/.',
        protocol: 'The address must start with http:// or https://.',
        credentials: 'The address must not contain a user name or password.',
        query: 'The address must not contain ? or #: file names are added to its end.',
        duplicate: 'This mirror is already in the list.',
        'too-many': 'There can be at most {max} mirrors.',
      },
    },
    about: {
      title: 'About',
      version: 'Version',
      shell: 'Running as',
      shells: { electron: 'Desktop app', web: 'Web mode (served by mnist-studio serve)' },
      platform: 'Platform',
      threads: '{count} CPU threads',
      runtime: 'Runtime',
      home: 'Studio home',
      homeHint: 'Data sets, runs, models and settings.json are kept here.',
      unavailable: 'Not connected to a studio engine, so there is nothing to show.',
    },
  },
  choices: {
    system: 'System',
    light: 'Light',
    dark: 'Dark',
  },
  languages: {
    en: 'English',
    'zh-CN': '简体中文',
  },
  toast: {
    region: 'Notifications',
    dismiss: 'Dismiss',
    levels: { info: 'Note', success: 'Done', warning: 'Warning', error: 'Error' },
  },
  notices: {
    settingsReset: {
      title: 'Settings were reset',
      body: 'Your settings file could not be used ({reason}), so the defaults are in use. The old file is kept here:',
    },
    settingsUnusable: {
      title: 'Settings cannot be used',
      body: 'Your settings file could not be used ({reason}) and could not be moved aside either. The defaults are in use, and changes will not be saved until this file or its folder is fixed:',
    },
    settingsNotSaved: {
      title: 'Settings not saved',
    },
  },
  reasons: {
    'not-json': 'it is not a valid JSON file',
    folder: 'it is a folder, not a file',
    unreadable: 'it cannot be read',
    'invalid-value': 'the value of “{field}” is not valid',
  },
  errors: {
    INVALID_ARGUMENT: 'The studio could not use what it was given:',
    NOT_FOUND: 'Something it needs was not found:',
    BUSY: 'The studio is busy with another task.',
    CANCELLED: 'It was cancelled.',
    IO: 'A file could not be read or written.',
    NETWORK: 'The download failed on every mirror.',
    INTEGRITY: 'A file failed its integrity check.',
    NATIVE: 'Native TensorFlow failed or is missing.',
    FORBIDDEN: 'The studio refused the request.',
    UNAVAILABLE: 'The studio engine is not reachable.',
    noToken:
      'This page was opened without its access token, so it cannot reach the studio engine (which may well be running). Open the full address that mnist-studio serve printed in its terminal: it ends in ?token=…',
    INTERNAL: 'Something went wrong inside the studio.',
  },
  filePicker: {
    choose: 'Choose files…',
    none: 'No file chosen',
    chosen: 'Chosen: {count} ({size})',
  },
  chart: {
    step: 'Step',
    loss: 'Loss',
    epoch: 'Epoch',
    accuracy: 'Accuracy',
    training: 'Training',
    validation: 'Validation',
    lossTitle: 'Training loss',
    batchLoss: 'Each batch',
    smoothed: 'Smoothed',
    epochMean: 'Epoch mean',
    validationLoss: 'Validation',
    accuracyTitle: 'Accuracy per epoch',
    png: 'PNG',
    savePng: 'Save the {chart} chart as PNG',
    pngFailed: 'The chart could not be saved',
  },
  format: {
    milliseconds: '{ms} ms',
    seconds: '{s} s',
    minutes: '{m} min {s} s',
    hours: '{h} h {m} min',
  },
  model: model.en,
  train: train.en,
};

export default en;
export type MessageSchema = typeof en;
