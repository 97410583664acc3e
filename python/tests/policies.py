"""Policy texts the tests build engines from."""

BUCKETS = """\
policy t.storage "Test storage rules"

param max_buckets = 10

rule buckets_encrypted {
  controls A.8.24
  severity high
  for b in buckets {
    require b.encrypted else "bucket {b.name} is not encrypted"
  }
}

rule few_buckets {
  controls A.5.9
  severity low
  require count(buckets) <= max_buckets else "too many buckets"
}
"""

# calls a function that no module declares: a compile error, not a run-time one
BROKEN = """\
rule broken {
  controls A.8.24
  require nosuch_function(1)
}
"""

# a bucket that does not say whether it is public leaves the filter undecided: incomplete
GAPPY = """\
rule public_buckets_encrypted {
  controls A.8.24
  severity high
  for b in buckets[.public] {
    require b.encrypted
  }
}
"""
