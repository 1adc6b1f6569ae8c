# A 60 fps media vCPU (4 ms of work every 16.667 ms) with a reservation
# a little above its work, sharing one CPU with three CPU hogs, under
# credit-rt: the media vCPU should miss no frame and start each frame
# at once.
cpus 1
policy credit-rt
duration_ms 10000

vm media weight 256 rt_period_us 16667 rt_budget_us 4500
vm hog1 weight 256
vm hog2 weight 256
vm hog3 weight 256

vcpu media cpu 0 periodic period_us 16667 work_us 4000
vcpu hog1 cpu 0 hog
vcpu hog2 cpu 0 hog
vcpu hog3 cpu 0 hog
