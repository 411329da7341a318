-- Argo CD health of an EdgeDevice (resource.customizations.health.fogcompute.io_EdgeDevice).
-- Healthy while its edge agent reports (condition Ready=True), whether or not the machine may
-- be harvested right now (a user at the keyboard is normal; the message says which).
-- Progressing before the first report (Ready=Unknown, NoReport); Degraded when the agent went
-- silent (Ready=Unknown, AgentSilent), its Node is gone, or the spec was refused (InvalidSpec).
local hs = {}

local function condition(kind)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local ready = condition("Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the edge agent's first report"
  return hs
end

local node = condition("NodeFound")
if node ~= nil and node.status == "False" then
  hs.status = "Degraded"
  hs.message = node.message
  return hs
end

if ready.status == "True" then
  local harvestable = condition("Harvestable")
  hs.status = "Healthy"
  if harvestable ~= nil and harvestable.status == "True" then
    hs.message = "Reporting; harvestable"
  elseif harvestable ~= nil then
    hs.message = "Reporting; not harvestable now (" .. harvestable.reason .. ")"
  else
    hs.message = "Reporting"
  end
elseif ready.status == "Unknown" and ready.reason == "NoReport" then
  hs.status = "Progressing"
  hs.message = ready.message
else
  hs.status = "Degraded"
  hs.message = ready.message
end
return hs
