// Loaded with NODE_OPTIONS=--require into a child process under test: at
// exit it writes the process's peak resident memory (kB) to $MAXRSS_FILE.
const fs = require('node:fs');

process.on('exit', () => {
  if (process.env.MAXRSS_FILE) fs.writeFileSync(process.env.MAXRSS_FILE, String(process.resourceUsage().maxRSS));
});
