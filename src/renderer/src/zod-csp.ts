/**
 * Imported first by main.ts, before any schema is built: zod would probe
 * `new Function` to compile faster parsers, and the page's CSP (no
 * 'unsafe-eval') reports that probe as a violation even though zod catches
 * it. Jitless zod never probes.
 */
import { z } from 'zod';

z.config({ jitless: true });
