// The pure bounce policy: scoring (section 3), the job's decisions (section 4), getting back in (section 5).
export * from './settings.js';
export * from './state.js';
export * from './scoring.js';
export * from './complaint.js';
export * from './job.js';
