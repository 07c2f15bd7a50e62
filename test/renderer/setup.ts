// happy-dom has no 2D canvas; chart.js needs one.
import 'vitest-canvas-mock';
