'use strict';
// npm runs this in its preinstall phase, before @tensorflow/tfjs-node's own
// install script; see stage.cjs for what it does and the variables it reads.
require('./stage.cjs')
  .main()
  .catch((err) => {
    process.stderr.write(`mnist-studio: error: ${err.message}\n`);
    process.exit(1);
  });
