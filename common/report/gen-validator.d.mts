/** Types for gen-validator.mjs (used by the test that keeps the generated validator up to date). */
export declare const SCHEMA_PATH: string;
export declare const OUT_PATH: string;
export declare function generateValidator(schemaText: string): string;
