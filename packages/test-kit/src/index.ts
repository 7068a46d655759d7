export * from './database.js';
export * from './http.js';
export * from './app.js';
export * from './oidc.js';
export * from './browser.js';
