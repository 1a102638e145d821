/** The directory of the built console (`vite build`'s output): index.html and assets/. */
export declare const consoleDistDir: string;
