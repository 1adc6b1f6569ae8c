# Three CPU hogs with weights 256, 512 and 768 on one CPU under credit:
# their shares should be close to 1:2:3 (16.7 %, 33.3 %, 50 %).
cpus 1
policy credit
duration_ms 10000

vm light weight 256
vm medium weight 512
vm heavy weight 768

vcpu light cpu 0 hog
vcpu medium cpu 0 hog
vcpu heavy cpu 0 hog
