# media60_3hogs.wl under plain credit (no reservation): the media vCPU
# competes by weight and BOOST only; compare its latency and misses.
cpus 1
policy credit
duration_ms 10000

vm media weight 256
vm hog1 weight 256
vm hog2 weight 256
vm hog3 weight 256

vcpu media cpu 0 periodic period_us 16667 work_us 4000
vcpu hog1 cpu 0 hog
vcpu hog2 cpu 0 hog
vcpu hog3 cpu 0 hog
