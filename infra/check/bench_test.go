package check

import (
	"path/filepath"
	"testing"
)

// BenchmarkRunInfra: all three gates over the project's infra/ folder
// (type files stay cached in the Types value, as in one CLI run).
func BenchmarkRunInfra(b *testing.B) {
	files, err := Files(filepath.Join("..", "..", "infra"))
	if err != nil {
		b.Fatal(err)
	}
	ty, err := LoadTypes(filepath.Join("..", "..", "..", "shared", "bicep-types"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Run(files, Options{Types: ty}); err != nil {
			b.Fatal(err)
		}
	}
}
