/** The run export: the versioned run JSON document and the steps CSV (see each file). */
export * from './run-json.js';
export * from './steps-csv.js';
