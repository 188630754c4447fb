// Package fuzz holds the native fuzz tests of the imaging decoders (DICOM
// JSON metadata, AHDS DICOM event data). They live apart from the imaging
// tests because those link the google/fhir validator, whose size slows the
// fuzzing engine's coverage bookkeeping by orders of magnitude. CI runs only
// the seed corpus.
package fuzz
