// Component tests run under Node (happy-dom), whose object URLs Node keeps: the
// one function they use to read a downloaded file back. The web project has no
// Node types, as the renderer must not use Node.
declare module 'node:buffer' {
  export function resolveObjectURL(id: string): Blob | undefined;
}
