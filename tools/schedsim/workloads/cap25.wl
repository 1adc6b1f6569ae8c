# A hog capped at 25 % of a CPU next to an uncapped hog of the same
# weight under credit: the capped one gets 25 %, the other the rest.
cpus 1
policy credit
duration_ms 10000

vm capped weight 256 cap 25
vm free weight 256

vcpu capped cpu 0 hog
vcpu free cpu 0 hog
