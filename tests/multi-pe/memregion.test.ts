import { conformance } from '../helpers/conformance.js';

conformance('memregion.ts', [
  'put and get of every element type are exact at the first and last index of every PE part',
  'a multi-element put lands in order and putAll writes every PE',
  'a one-sided region sent to another PE is filled there and the owner reads the values',
  'a shared region sent in an AM arrives as a handle on the same memory',
  'bad calls throw coded errors at the call and touch nothing',
  'unsafeLocalData of a one-sided region is refused on a PE that does not own it',
  'mismatched allocSharedMemRegion calls throw COLLECTIVE_MISMATCH on every PE',
  'a region is freed on every PE only after the last handle is dropped',
  'a one-sided region stays valid for an AM that reads it after every handle was dropped',
  'a shared region on a sub-team addresses team PEs and is freed with the team members',
  'large puts and gets (memcpy-sized, up to 9 MiB) land exactly at an offset, on shared and one-sided regions',
]);
