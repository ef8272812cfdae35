export declare const SCHEMA_PATH: string;
export declare const OUTPUT_PATH: string;
export declare function generateValidatorSource(schema: unknown): string;
