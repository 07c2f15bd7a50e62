/**
 * The layering of MNIST Studio, checked by `npm run lint` (docs/ARCHITECTURE.md
 * explains each rule). Type-only imports count too (tsPreCompilationDeps): a
 * type import still ties two modules together and blocks moving either alone.
 */

/** The transports: they bind the services to Electron IPC, a WebSocket or the command line. */
const TRANSPORTS = '^src/main/(electron|web|cli)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles anywhere in src/ (type-only imports included).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'shared-imports-only-shared',
      severity: 'error',
      comment: 'src/shared is the contract every process imports: it imports nothing of ours outside src/shared, and no Node built-in (the renderer runs it).',
      from: { path: '^src/shared/' },
      to: { pathNot: '^src/shared/|(^|/)node_modules/zod/' },
    },
    {
      name: 'services-import-no-transport',
      severity: 'error',
      comment: 'Services under src/main never import a transport (electron/, web/, cli/); transports import services.',
      from: { path: '^src/main/', pathNot: TRANSPORTS },
      to: { path: TRANSPORTS },
    },
    {
      name: 'only-the-shell-imports-the-shell',
      severity: 'error',
      comment: 'src/main/electron/ runs only inside Electron: web mode and the CLI (plain Node) never import it; what they share with it lives in a service.',
      from: { path: '^src/main/', pathNot: '^src/main/electron/' },
      to: { path: '^src/main/electron/' },
    },
    {
      name: 'renderer-imports-only-shared',
      severity: 'error',
      comment: 'The renderer knows only the contract: of our code it imports src/shared and its own files, and no Node built-in.',
      from: { path: '^src/renderer/' },
      to: { path: '^src/', pathNot: '^src/(shared|renderer)/' },
    },
    {
      name: 'renderer-no-node-builtins',
      severity: 'error',
      comment: 'The renderer is a sandboxed page or a browser: Node built-ins do not exist there.',
      from: { path: '^src/renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'preload-imports-only-shared',
      severity: 'error',
      comment: 'The preload exposes the contract: of our code it imports only src/shared.',
      from: { path: '^src/preload/' },
      to: { path: '^src/', pathNot: '^src/(shared|preload)/' },
    },
    {
      name: 'electron-only-in-the-shell',
      severity: 'error',
      comment: 'Only the desktop shell (src/main/electron/) and the preload import the electron package; services, CLI and web mode run in plain Node.',
      from: { path: '^src/', pathNot: '^src/main/electron/|^src/preload/' },
      to: { path: '(^|/)node_modules/electron(-store)?/' },
    },
    {
      name: 'trainer-never-reaches-electron',
      severity: 'error',
      comment: 'The trainer runs as a plain Node child process too: nothing it imports, directly or through other modules, may load electron.',
      from: { path: '^src/main/trainer/' },
      to: { path: '(^|/)node_modules/electron(-store)?/', reachable: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves (an alias depcruise cannot resolve would slip past every rule above).',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules is a symlink in worktrees: keep the node_modules/… paths the rules name.
    preserveSymlinks: true,
    tsPreCompilationDeps: true,
    // The web project's tsconfig maps both aliases (@shared, @renderer); the node project's maps @shared the same way.
    tsConfig: { fileName: 'tsconfig.web.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.vue', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
