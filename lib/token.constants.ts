export { TOKEN_MODULE_OPTIONS } from './token.module-definition.js';
