package dicomweb_test

import (
	"fmt"

	"github.com/ahds-events/ahds/shared/dicomweb"
)

func ExampleClient_Base() {
	azure, _ := dicomweb.New("https://ws-dicom.dicom.azurehealthcareapis.com", dicomweb.Options{PartitionsEnabled: true})
	orthanc, _ := dicomweb.New("http://127.0.0.1:8042", dicomweb.Options{Kind: dicomweb.KindOrthanc})
	fmt.Println(azure.Base(""))
	fmt.Println(orthanc.Base(""))
	// Output:
	// https://ws-dicom.dicom.azurehealthcareapis.com/v2/partitions/Microsoft.Default
	// http://127.0.0.1:8042/dicom-web
}
