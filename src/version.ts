/** The SDK's version, kept equal to package.json's by `npm run version-packages`. */
export const VERSION = '0.0.0';
