import { contextBridge, ipcRenderer } from 'electron';
import { buildStudioClient } from '@shared/client';

contextBridge.exposeInMainWorld('studio', buildStudioClient(ipcRenderer));
