-- Argo CD health of an Application, for the app-of-apps in deploy/argocd/ (resource.customizations
-- .health.argoproj.io_Application). Since Argo CD 1.8 an Application has no health of its own in
-- its parent, so sync waves of child Applications would not wait for each other: this reports
-- the child's own health, so the operator's wave waits for the CRDs' and the resources' wave
-- waits for a healthy operator.
local hs = {}
hs.status = "Progressing"
hs.message = "Waiting for the Application's first health assessment"
if obj.status ~= nil and obj.status.health ~= nil and obj.status.health.status ~= nil then
  hs.status = obj.status.health.status
  hs.message = obj.status.health.message or ""
end
return hs
