// Tools that destroy data through their own names or options rather than a destructive-sounding word: LVM's size
// changes, the confirmation flags tools demand before destroying, and verbs that only destroy as arguments.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";

const destroys = (cmd: string) => expect(classify(cmd).destructive, cmd).toBe(true);
const allows = (cmd: string) =>
  expect(classify(cmd), cmd).toMatchObject({ destructive: false, decision: "allow" });

describe("LVM size changes", () => {
  it("shrinks, or may shrink, whatever way the size is spelled", () => {
    for (const cmd of [
      "lvresize -L-1G vg0/data",
      "lvresize --size=-1G vg0/data",
      "lvresize -l 50%VG vg0/data",
      "lvresize --extents 100 vg0/data",
      "lvm lvresize -L 5G vg0/data",
      "sudo lvreduce -r -L 5G vg0/data",
    ])
      destroys(cmd);
  });

  it("grows with a leading +, and --test changes nothing", () => {
    for (const cmd of [
      "lvresize -L+1G vg0/data",
      "lvresize --size=+1G -r vg0/data",
      "lvresize -l +100%FREE vg0/data",
      "lvresize -t -L 1G vg0/data",
      "lvremove -t vg0/data",
      "vgremove --test vg0",
      "lvm lvreduce --test -L 1G vg0/data",
    ])
      allows(cmd);
  });
});

describe("the confirmation flags tools demand before destroying", () => {
  it("make a call the rules do not otherwise judge destructive, unless it only reports", () => {
    for (const cmd of [
      "ceph osd pool rm data data --yes-i-really-really-mean-it",
      "ceph mds fail 0 --yes-i-really-mean-it",
      "hdparm --trim-sector-ranges 0:8 --please-destroy-my-drive /dev/sda",
      "hdparm --make-bad-sector 10 --yes-i-know-what-i-am-doing /dev/sda",
      "mytool migrate --accept-data-loss",
    ])
      expect(classify(cmd), cmd).toMatchObject({ destructive: true, uncertain: true });
    allows("mytool migrate --accept-data-loss --dry-run");
    allows("ceph osd pool ls --format json");
  });
});

describe("verbs that destroy only as a call's arguments", () => {
  it("judges zap and rb among the arguments, not in program names or other words", () => {
    for (const cmd of [
      "ceph orch device zap host1 /dev/sdb --force",
      "mc rb minio/uploads",
      "s3tool rb s3://b",
    ])
      destroys(cmd);
    for (const cmd of [
      "zap-baseline.py -t https://app.example.com",
      "owasp-zap -cmd -quickurl https://app.example.com",
      "mytool lint app.rb",
      "mc ls minio/uploads",
    ])
      allows(cmd);
  });
});
