/** CSS imported for its side effects: esbuild bundles it into app.css. */
declare module '*.css';
