// Lint: typescript-eslint's recommended type-aware rules, plus the habits the
// codebase relies on (no floating promises, type-only imports).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-examples/', 'dist-bench/', 'node_modules/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // One error model (issue #14): a Legate error is built by `legateError(code, …)`,
    // whose code table fixes its class, never by choosing a class at the throw site.
    files: ['src/**/*.ts'],
    ignores: ['src/errors/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'NewExpression[callee.name=/^(LegateError|VerificationError|InputError|TimeError|StoreError)$/]',
          message: "Build Legate errors with legateError(code, message, options) from errors/: the code table picks the class.",
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The console's one script runs in the browser (served by the node from assets/console/).
    files: ['assets/console/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'HTMLFormElement', 'HTMLElement', 'fetch', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'HTMLTableElement', 'encodeURIComponent'].map((name) => [name, 'readonly']),
      ),
    },
  },
);
