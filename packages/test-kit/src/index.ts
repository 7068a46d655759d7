export * from './database.js';
export * from './http.js';
export * from './app.js';
export * from './oidc.js';
export * from './browser.js';
export * from './fake-mailersend.js';
export * from './seed.js';
export * from './process.js';
