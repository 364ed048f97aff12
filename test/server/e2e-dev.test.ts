import { serveSuite } from './serve-suite.js';

/**
 * Issue 13, acceptance 1: the built `durq serve` (dev mode, embedded Redis) and a real SDK app
 * pointed at it by INNGEST_DEV=1 and INNGEST_BASE_URL, synced by `--sdk-url`.
 */
serveSuite({ name: 'dev', sync: 'sdk-url' });
