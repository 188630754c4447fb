// Package health is the `health` function (HTTP GET): configuration problems
// and the reachability of the FHIR service, the DICOM service and storage.
package health

import (
	"context"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/ahds-events/ahds/shared/health"
)

// Deps are what the report probes; nil clients are reported as unconfigured.
type Deps struct {
	ConfigProblems []string
	// FHIR and DICOM are authenticated clients and the URLs to GET.
	FHIRClient, DICOMClient *http.Client
	FHIRURL, DICOMURL       string
	Blob                    *azblob.Client
}

// New returns the function's handler.
func New(d Deps) http.Handler {
	probes := map[string]health.Probe{}
	probes["fhir"] = optional(d.FHIRClient != nil && d.FHIRURL != "", "FHIR_BASE_URL", func() health.Probe {
		return health.HTTPProbe(d.FHIRClient, strings.TrimRight(d.FHIRURL, "/")+"/metadata")
	})
	probes["dicom"] = optional(d.DICOMClient != nil && d.DICOMURL != "", "DICOM_SERVICE_URL", func() health.Probe {
		return health.HTTPProbe(d.DICOMClient, d.DICOMURL)
	})
	probes["storage"] = optional(d.Blob != nil, "AzureWebJobsStorage", func() health.Probe {
		return func(ctx context.Context) error {
			pager := d.Blob.NewListContainersPager(nil)
			_, err := pager.NextPage(ctx)
			return err
		}
	})
	return health.Checker{ConfigProblems: d.ConfigProblems, Probes: probes}
}

func optional(ok bool, setting string, p func() health.Probe) health.Probe {
	if ok {
		return p()
	}
	return func(context.Context) error { return notConfigured(setting) }
}

type notConfigured string

func (n notConfigured) Error() string { return string(n) + " is not configured" }
