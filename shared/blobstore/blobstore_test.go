package blobstore

import (
	"strings"
	"testing"

	"github.com/ahds-events/ahds/shared/config"
)

func TestOpen(t *testing.T) {
	tests := []struct {
		name    string
		give    config.Storage
		wantURL string
		wantErr bool
	}{
		{"development storage", config.Storage{ConnectionString: "UseDevelopmentStorage=true"}, "http://127.0.0.1:10000/devstoreaccount1/", false},
		{"development storage, odd spelling", config.Storage{ConnectionString: " usedevelopmentstorage=TRUE;"}, "http://127.0.0.1:10000/devstoreaccount1/", false},
		{"connection string", config.Storage{ConnectionString: "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net"}, "https://acct.blob.core.windows.net/", false},
		{"identity without credential", config.Storage{BlobServiceURL: "https://acct.blob.core.windows.net"}, "", true},
		{"nothing", config.Storage{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Open(tt.give, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Open() error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && !strings.EqualFold(c.URL(), tt.wantURL) {
				t.Errorf("Open().URL() = %q, want %q", c.URL(), tt.wantURL)
			}
		})
	}
}
