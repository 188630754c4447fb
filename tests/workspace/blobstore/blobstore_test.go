package blobstore

import "testing"

func TestNew(t *testing.T) {
	if _, err := New(""); err == nil {
		t.Error("New(\"\") = nil error")
	}
	if _, err := New("UseDevelopmentStorage=true"); err != nil {
		t.Errorf("New(dev) = %v", err)
	}
}
