package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestKafkaUnderReplicated(t *testing.T) {
	k := ZK{Partitions: map[string]PartitionState{
		"t/0": {Leader: 1, ISR: []int{1, 2, 3}, Replicas: []int{1, 2, 3}},
		"t/1": {Leader: 2, ISR: []int{2}, Replicas: []int{2, 3, 1}},
		"a/0": {Leader: -1, ISR: []int{3, 1}, Replicas: []int{3, 1, 2}},
	}}
	assert.Equal(t, []string{"a/0", "t/1"}, k.UnderReplicated())
}
