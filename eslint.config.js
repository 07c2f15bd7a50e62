import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

/** The rules that flag a value typed `any` (or unresolved) flowing on; turned off below only where that is a false alarm. */
const UNSAFE_ANY_OFF = Object.fromEntries(
  ['no-unsafe-assignment', 'no-unsafe-member-access', 'no-unsafe-argument', 'no-unsafe-call', 'no-unsafe-return'].map((rule) => [`@typescript-eslint/${rule}`, 'off']),
);

export default tseslint.config(
  { ignores: ['out/**', '.bench/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...vue.configs['flat/recommended'],
  {
    // Type-aware rules: each .ts and .vue file is checked in the tsconfig project that includes it (node or web).
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname, extraFileExtensions: ['.vue'] } },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module', extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // An async function without await is deliberate here: a handler's synchronous throw becomes the rejection dispatch answers with.
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    // vue-i18n's t/te/tm/rt are closures over their composer, made to be destructured from useI18n(); no `this` to lose.
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // typescript-eslint reads a .vue import through the env.d.ts shim, so types a component exports are unresolved (error-typed)
    // here; vue-tsc (npm run typecheck) checks these files with the real types.
    files: ['**/*.vue'],
    rules: { ...UNSAFE_ANY_OFF, '@typescript-eslint/no-redundant-type-constituents': 'off' },
  },
  {
    // Tests read JSON files, CLI output and page.evaluate results and check them with expect: the assertion is the check.
    files: ['test/**'],
    rules: UNSAFE_ANY_OFF,
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The plain JavaScript (scripts, bin, tools, configs) is in no tsconfig project: no types to check it with.
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
  },
);
