/**
 * What every memhp command shares: scenario resolution (one set of limits and messages), option
 * checks (seed, profile, strategy), file reading and progress. Commands import this, never each other.
 */
export { type Out, readTextFile, readLimited } from './files.js';
export { parseSeed, checkOverrides, checkProfile, checkStrategy, parseList } from './options.js';
export { resolveScenario, originLabel, parseScenarioFile, scenarioIomem, looksLikeScenario, SCENARIO_FILE_BYTES, REFERENCED_FILE_BYTES, type ResolvedScenario, type ScenarioOrigin, type ScenarioIomemOptions } from './scenario.js';
export { StepProgress, LaneProgressView, bar, barWidth, type ProgressSink, type ProgressStep, type LaneTick } from './progress.js';
