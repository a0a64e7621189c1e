import nibabel as nib, numpy as np, json, sys, os
out=sys.argv[3]
exp={}
for s in [9003,9004,9008,9010,9014,9015]:
  img=nib.load(sys.argv[1]+'/%d/segmentation.nii.gz'%s); a=np.asarray(img.dataobj)
  nz=np.argwhere(np.isin(a,[1,3,4,5,6,7]))
  lo=np.maximum(nz.min(0)-6,0); hi=np.minimum(nz.max(0)+7,a.shape)
  # keep full extent along axes where the structures touch the border (so 'cut by edge' stays)
  sl=tuple(slice(l,h) for l,h in zip(lo,hi))
  c=img.slicer[sl]
  d=np.asarray(c.dataobj).astype(np.uint8); d=np.where(np.isin(d,[1,3,7]),d,0).astype(np.uint8)
  n=nib.Nifti1Image(d,c.affine); n.set_qform(c.affine,1); n.set_sform(c.affine,1)
  n.header.set_zooms(c.header.get_zooms())
  p=os.path.join(out,'mri-%d-predicted.nii.gz'%s); import gzip; raw=n.to_bytes(); open(p,'wb').write(gzip.compress(raw,9,mtime=0))
  t=json.load(open(sys.argv[2]+'/mri-%d/truth.json'%s))
  exp[str(s)]={'vertebrae':[{'name':v['name'],'centreLPS':[round(x,2) for x in v['centreWorldLPS']]} for v in t['vertebrae']],
              'discs':[{'level':d['level'],'centreLPS':[round(x,2) for x in d['centreWorldLPS']]} for d in t['discs']]}
  print(s,a.shape,'->',d.shape,os.path.getsize(p))
json.dump(exp,open(os.path.join(out,'truth.json'),'w'),indent=1)
