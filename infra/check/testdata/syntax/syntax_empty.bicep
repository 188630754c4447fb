// Broken on purpose: empty file
// nothing here
