import { serveSuite } from './serve-suite.js';

/**
 * Issue 13, acceptance 2: the same suite in production mode (a signing key and an event key); the
 * SDK app in cloud mode (INNGEST_SIGNING_KEY, INNGEST_EVENT_KEY, INNGEST_BASE_URL), synced by
 * `durq sync <app-url>`.
 */
serveSuite({
  name: 'production',
  sync: 'durq-sync',
  keys: {
    signingKey: 'signkey-test-5e7e0c4b2a9d18f6c3b5a7e9d1f2c4b6a8e0d2f4c6b8a0e2d4f6c8b0a2e4d6f8',
    eventKey: 'serve-e2e-event-key',
  },
});
