-- Argo CD health of a MixNode (resource.customizations.health.fogcompute.io_MixNode).
-- Reads the Ready condition the operator sets, in its order of reasons: Healthy when Serving;
-- Suspended when spec.enabled is false (Disabled); Progressing while the hosting agent has not
-- reported yet (NoReport) or has not published its identity and epoch keys
-- (KeysNotPublished); Degraded when the agent went silent, the node's Node is gone or not an
-- edge node, its mixnode is down, a Stake behind it is jailed, or the spec was refused.
local hs = {}

local ready = nil
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" then
      ready = c
    end
  end
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to assign a layer and the agent to report"
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

hs.message = ready.message
if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.reason == "Disabled" then
  hs.status = "Suspended"
elseif ready.reason == "NoReport" or ready.reason == "KeysNotPublished" then
  hs.status = "Progressing"
else
  hs.status = "Degraded"
end
return hs
