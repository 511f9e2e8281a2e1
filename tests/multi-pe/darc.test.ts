import { conformance } from '../helpers/conformance.js';

conformance('darc.ts', [
  'a Darc counter incremented by AMs from every PE ends at the expected count on each PE',
  "a Darc arrives in an AM as the receiving PE's own instance",
  'LocalRwDarc: concurrent readers and writers never see a torn update and every write counts',
  'GlobalRwDarc: writers on every PE exclude each other and readers never see a torn update',
  'collectiveWrite gives every PE its write guard at once and excludes other writers',
  "conversions round-trip through every kind, keep each PE's instance and retire the old handle",
  'a conversion waits until clones and guards on every PE are released',
  'mismatched collectives give COLLECTIVE_MISMATCH instead of hanging',
  'use after drop, bad arguments and released guards throw coded errors',
  'dropping a Darc while AMs holding it are in flight on other PEs never frees it early',
  'a clone kept from an AM keeps the Darc alive until it is dropped',
]);
