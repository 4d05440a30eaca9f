package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNewActiveCountsTheLockWhileTheOldActiveCannotBeFenced(t *testing.T) {
	view := func(nn1, nn2, lock, active string) haView {
		return haView{ids: []string{"nn1", "nn2"}, states: map[string]string{"nn1": nn1, "nn2": nn2}, lock: lock, active: active}
	}
	assert.Equal(t, "nn2", view("down", "active", "nn2", "nn2").newActive("nn1"))
	assert.Equal(t, "nn2", view("active", "active", "nn2", "").newActive("nn1"), "isolated nn1 still claims active")
	assert.Empty(t, view("active", "active", "nn1", "").newActive("nn1"), "the lock still names the old one")
	assert.Empty(t, view("active", "standby", "nn1", "nn1").newActive("nn1"))
	assert.Empty(t, view("active", "standby", "nn2", "").newActive("nn1"), "the lock's holder is not active yet")
}
