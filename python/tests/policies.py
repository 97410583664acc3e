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

# `in region` on a missing field fails closed; the mistake is the undeclared name
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
