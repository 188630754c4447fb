package synth_test

import (
	"fmt"

	"github.com/ahds-events/ahds/shared/imaging/synth"
)

func ExampleCTStudy() {
	ins := synth.CTStudy("1.2.826.0.1.3680043.8.498.1", "SYN-1", 3, 20)
	fmt.Println(len(ins), ins[0].SeriesUID, ins[59].SOPUID)
	// Output: 60 1.2.826.0.1.3680043.8.498.1.1 1.2.826.0.1.3680043.8.498.1.3.20
}
