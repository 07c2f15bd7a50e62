/**
 * The desktop app: lifecycle, the window, and the wiring of the studio's
 * services to IPC. The only module (with the files it imports from this
 * folder) that touches Electron.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, Notification, ipcMain, protocol, screen, session, shell, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import { PRODUCT_NAME, resolveHome } from '../home';
import { initialWindowBounds, MIN_WINDOW_SIZE, windowBoundsToSave } from '../settings/window';
import { createStudio, type StudioDialogs } from '../studio';
import { APP_SCHEME_PRIVILEGES, appProtocolResponse, devServerUrl } from './app-protocol';
import { bindIpc } from './ipc';
import { launchUtilityTrainer } from './trainer-process';
import { APP_INDEX_URL, APP_SCHEME, hardenSession, hardenWebContents, isAllowedExternalUrl, isAppUrl, isTrustedSender, secureWebPreferences, type AppOrigin } from './security';
import { electronSettingsStore } from './settings-store';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const home = resolveHome({ home: flag('--home') });
app.setName(PRODUCT_NAME);
app.setPath('userData', home);
app.enableSandbox();
// Before ready: app:// must be standard and secure for the page to get a real origin, fetch and module scripts.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

const rendererDir = path.join(import.meta.dirname, '..', 'renderer');
const origin: AppOrigin = {
  devServerUrl: devServerUrl({ isPackaged: app.isPackaged, argv: process.argv, rendererUrl: process.env.ELECTRON_RENDERER_URL }),
};
const allowed = (url: string) => isAppUrl(url, origin);
const ownContents = new Set<number>();
async function openDialog(options: OpenDialogOptions): Promise<string | null> {
  const win = BrowserWindow.getFocusedWindow();
  const res = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return res.canceled ? null : (res.filePaths[0] ?? null);
}

/** The dialogs the renderer asks for (`app:pickFolder`, `app:pickFile`, `app:pickSavePath`), attached to the focused window. */
const dialogs: StudioDialogs = {
  pickFolder: (title) => openDialog({ title, properties: ['openDirectory', 'dontAddToRecent'] }),
  notify(title, body) {
    if (BrowserWindow.getFocusedWindow() || !Notification.isSupported()) return false;
    new Notification({ title, ...(body ? { body } : {}) }).show();
    return true;
  },
  pickFile: (title, filters) => openDialog({ title, filters, properties: ['openFile', 'dontAddToRecent'] }),
  async pickSavePath(title, defaultName, filters) {
    const options: SaveDialogOptions = {
      title,
      filters,
      properties: ['showOverwriteConfirmation', 'createDirectory', 'dontAddToRecent'],
      ...(defaultName ? { defaultPath: path.join(app.getPath('downloads'), defaultName) } : {}),
    };
    const win = BrowserWindow.getFocusedWindow();
    const res = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return res.canceled || !res.filePath ? null : res.filePath;
  },
};
const studio = createStudio({ home, shell: 'electron', settingsStore: electronSettingsStore, dialogs, launchTrainer: launchUtilityTrainer, resumeSweeps: true, warmTrainer: true });

app.on('web-contents-created', (_event, contents) => {
  hardenWebContents(contents, allowed, (url) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
  });
});

/** Saves the window's bounds half a second after it stops moving, and once more as it closes. */
function rememberBounds(win: BrowserWindow): void {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    clearTimeout(timer);
    if (win.isDestroyed() || win.isMinimized() || win.isFullScreen()) return;
    try {
      studio.settings.update({ window: windowBoundsToSave(win.getNormalBounds(), win.isMaximized()) });
    } catch (err) {
      console.error('could not save the window bounds:', err);
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', later).on('move', later).on('maximize', later).on('unmaximize', later).on('close', save);
}

function createWindow(): BrowserWindow {
  const { maximized, ...bounds } = initialWindowBounds(
    studio.settings.read().window,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    title: PRODUCT_NAME,
    ...bounds,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    show: false,
    icon: path.join(import.meta.dirname, '..', '..', 'resources', 'icon.png'),
    // Restated as literals so a scan of the built bundle (electronegativity) sees them; a test checks they agree with secureWebPreferences.
    webPreferences: {
      ...secureWebPreferences(path.join(import.meta.dirname, '..', 'preload', 'index.cjs')),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const id = win.webContents.id;
  ownContents.add(id);
  win.on('closed', () => ownContents.delete(id));
  if (maximized) win.maximize();
  rememberBounds(win);
  win.once('ready-to-show', () => win.show());
  if (origin.devServerUrl) void win.loadURL(origin.devServerUrl);
  else void win.loadURL(APP_INDEX_URL);
  return win;
}

void app.whenReady().then(() => {
  hardenSession(session.defaultSession);
  protocol.handle(APP_SCHEME, (request) => appProtocolResponse(request, rendererDir));
  bindIpc(
    ipcMain,
    studio,
    (event) => isTrustedSender(event, ownContents, allowed),
    () =>
      BrowserWindow.getAllWindows()
        .filter((w) => ownContents.has(w.webContents.id))
        .map((w) => w.webContents),
  );
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  void studio.close();
});
