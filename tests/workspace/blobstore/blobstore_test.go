package blobstore

import "testing"

func TestExpand(t *testing.T) {
	for give, want := range map[string]string{
		"UseDevelopmentStorage=true":                                DevelopmentConnectionString,
		" usedevelopmentstorage=TRUE;":                              DevelopmentConnectionString,
		"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k",
	} {
		if got := Expand(give); got != want {
			t.Errorf("Expand(%q) = %q, want %q", give, got, want)
		}
	}
	if _, err := New(""); err == nil {
		t.Error("New(\"\") = nil error")
	}
	if _, err := New("UseDevelopmentStorage=true"); err != nil {
		t.Errorf("New(dev) = %v", err)
	}
}
